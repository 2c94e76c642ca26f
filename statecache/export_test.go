package statecache

// NewWithParallelism returns an empty cache that runs on the given number of goroutines and hashes layers of at
// least layerMin changed parents on all of them, so that tests of small states take the concurrent paths. Its
// copies inherit both.
func NewWithParallelism(workers, layerMin int) *Cache {
	return &Cache{run: newRunnerOf(workers, layerMin)}
}

// SameValidator exposes sameValidator to the tests.
var SameValidator = sameValidator
