// Library entry: the element (defined on import) and its event types.
export * from './widget/events.js';
export * from './widget/idv-capture/idv-capture.js';
