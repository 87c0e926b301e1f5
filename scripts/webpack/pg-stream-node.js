'use strict';
// Replaces pg/lib/stream.js in the Node bundles. pg's own module asks at load time whether it runs in
// a Cloudflare Worker by constructing a fetch Response, which on Node 20 loads undici: about 20 ms of
// every CLI start for an answer that is always "no" here. These are pg's Node branches, unchanged.
module.exports = {
  getStream() {
    const net = require('net');
    return new net.Socket();
  },
  getSecureStream(options) {
    const tls = require('tls');
    return tls.connect(options);
  },
};
