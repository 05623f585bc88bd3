import { toolScenarios } from './scenarios.js'

toolScenarios('pg_rman')
