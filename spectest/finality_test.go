package spectest

// Finality cases have the sanity blocks format (tests/formats/finality).
func init() { registry.Handle("finality", "", runBlocks) }
