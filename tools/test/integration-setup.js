// Integration tests talk to real servers; a slow CI machine gets a minute per test before jest gives up.
jest.setTimeout(60_000);

// Prediction nodes refuse calls without a node token (docs/security.md); every node, gateway and
// recovery a test starts, in process or as a child, holds this one unless the test says otherwise.
process.env.KEELSON_NODE_TOKENS ??= 'keelson-test-node-token';
