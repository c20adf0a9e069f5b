export const PACKAGE_NAME = '@cxr/eval';
