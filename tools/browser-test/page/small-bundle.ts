// Runs docs/examples/small-bundle-browser.ts verbatim; it writes its result into the page's body.
import '../../../docs/examples/small-bundle-browser.js';
