// Entry of the embed bundle (/sdk/idv-capture.js): defines <idv-capture>.
import './widget/idv-capture/idv-capture.js';
