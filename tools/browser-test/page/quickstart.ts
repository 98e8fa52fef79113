// Runs the README's browser example verbatim; it writes its result into the page's body.
import '../../../docs/examples/quickstart-browser.js';
