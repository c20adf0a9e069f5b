
// Metric test helpers
export { arbScored, bruteForceAuc, bruteForceConfusion, type ScoredSample } from './metrics.js';
export { tinyCamModel, type TinyCamModel } from './cam-models.js';
export { samplePredictions, sampleReportData, sampleXray } from './report-data.js';
export { CHROMIUM_PATH, imageShown, inspectPage, launchChromium, type ImageState, type PageInspection } from './browser.js';
