// The browser-safe part of @cxr/eval: the calibration every probability goes through and Grad-CAM.
// No Node, sharp or plotting import here.
export { temperatureScale } from './lib/fit-temperature.js';
export { gradCam, lastFeatureMapLayer, type CamImage, type GradCamOptions, type GradCamResult, type Heatmap } from './lib/grad-cam.js';
export { heatColour, jet, upsampleBilinear } from './lib/heatmap-colours.js';
