//go:build !linux

package main

import "testing"

func readOnlyDir(t *testing.T) string {
	t.Skip("read-only directories are tested on Linux")
	return ""
}
