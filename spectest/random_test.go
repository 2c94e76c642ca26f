package spectest

// Random cases have the sanity blocks format (tests/formats/random).
func init() { registry.Handle("random", "", runBlocks) }
