import { toolScenarios } from './scenarios.js'

toolScenarios('barman')
