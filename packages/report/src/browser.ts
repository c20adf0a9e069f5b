// The browser-safe part of @cxr/report: Grad-CAM and the colours of its overlay, as the viewer page
// draws them on a canvas. No Node, sharp or plotting import here.
export { gradCam, lastFeatureMapLayer, type CamImage, type GradCamOptions, type GradCamResult, type Heatmap } from './lib/grad-cam.js';
export { heatColour, jet, upsampleBilinear } from './lib/heatmap-colours.js';
