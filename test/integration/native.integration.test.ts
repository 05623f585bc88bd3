import { toolScenarios } from './scenarios.js'

toolScenarios('native')
