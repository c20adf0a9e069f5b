// The browser-safe part of @cxr/eval: the calibration every probability goes through.
// No Node import here.
export { temperatureScale } from './lib/fit-temperature.js';
