// Integration tests talk to real servers; a slow CI machine gets a minute per test before jest gives up.
jest.setTimeout(60_000);
