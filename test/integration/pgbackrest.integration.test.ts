import { toolScenarios } from './scenarios.js'

toolScenarios('pgbackrest')
