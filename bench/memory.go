package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// Memory is what holding the fixture's pre-state and importing its block cost our process, and Lodestar's
// process for comparison.
type Memory struct {
	// StateRSS is the resident memory with the pre-state and the block loaded, after a collection.
	StateRSS uint64 `json:"state_rss_bytes"`
	// ImportPeakRSS is the peak resident memory while importing the block without a tree-hash cache.
	ImportPeakRSS uint64 `json:"import_peak_rss_bytes"`
	// WarmRSS is StateRSS after the import, after a collection: with what the transition caches for the next
	// blocks (shufflings, the public key index, decompressed keys of the attesters).
	WarmRSS uint64 `json:"warm_rss_bytes"`
	// StateAndCacheRSS is WarmRSS with the pre-state's tree-hash cache built, after a collection.
	StateAndCacheRSS uint64 `json:"state_and_cache_rss_bytes"`
	// CacheBytes is the tree-hash cache's own count of its memory.
	CacheBytes uint64 `json:"cache_bytes"`
	// CachedImportPeakRSS is the peak resident memory while importing the block with the tree-hash cache.
	CachedImportPeakRSS uint64 `json:"cached_import_peak_rss_bytes"`
	// PeakResettable says whether the kernel let the peaks be reset before each import (/proc/self/clear_refs);
	// without, they are the process's peaks so far.
	PeakResettable bool `json:"peak_resettable"`
	// LodestarRSS and LodestarPeakRSS are Lodestar's process's resident memory with the pre-state and the epoch
	// state loaded and one run of each operation done, and its peak so far.
	LodestarRSS     uint64 `json:"lodestar_rss_bytes"`
	LodestarPeakRSS uint64 `json:"lodestar_peak_rss_bytes"`
}

// settledRSS collects garbage, returns freed memory to the kernel, and reports the resident memory.
func settledRSS() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	rss, _ := readRSS()
	return rss
}

// resetPeakRSS makes the kernel's peak resident memory (VmHWM) restart from the current one. It reports whether
// the kernel allowed it.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// readRSS returns the process's resident memory and its peak (VmRSS and VmHWM), zero where unknown.
func readRSS() (rss, peak uint64) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	lines := bufio.NewScanner(bytes.NewReader(raw))
	for lines.Scan() {
		fields := bytes.Fields(lines.Bytes())
		if len(fields) != 3 || string(fields[2]) != "kB" {
			continue
		}
		kib, err := strconv.ParseUint(string(fields[1]), 10, 64)
		if err != nil {
			continue
		}
		switch string(fields[0]) {
		case "VmRSS:":
			rss = kib << 10
		case "VmHWM:":
			peak = kib << 10
		}
	}
	return rss, peak
}
