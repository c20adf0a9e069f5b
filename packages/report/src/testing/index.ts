// Report test helpers
export { tinyCamModel, type TinyCamModel } from './cam-models.js';
export { sampleReportData, sampleXray } from './report-data.js';
export { CHROMIUM_PATH, imageShown, inspectPage, launchChromium, watchPage, type ImageState, type PageInspection } from './browser.js';
