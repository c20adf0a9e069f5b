// The browser-safe part of @cxr/model: the custom layers of its architectures, registered with
// tfjs on import (with those of @cxr/preprocess), so a model saved by cxr train loads in a page
// with tfjs's own loaders. No Node import here.
import '@cxr/preprocess/browser';

export { InputConv2D } from './lib/internal/architectures/input-conv.js';
export { ScaledSum } from './lib/internal/architectures/scaled-sum.js';
export { SeededDropout } from './lib/internal/architectures/seeded-dropout.js';
