import { toolScenarios } from './scenarios.js'

toolScenarios('walg')
