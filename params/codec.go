package params

import (
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/holiman/uint256"
	"gopkg.in/yaml.v3"

	"github.com/salamander-client/salamander/primitives"
)

// field binds one spec key to the Go value it fills. Presets and configs list their fields once, in spec order; the
// same list parses a YAML file and renders the values for the beacon API's config/spec endpoint.
type field struct {
	key   string
	value fieldValue
}

type fieldValue interface {
	// parse sets the value from its YAML node; errors wrap ErrInvalidValue.
	parse(node *yaml.Node) error
	// render returns the value as the beacon API shows it: a string, or a list of string maps for BLOB_SCHEDULE.
	render() any
}

// keyPattern is the shape of every spec key: upper-case words joined by underscores.
var keyPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// yamlMapping decodes a YAML document whose top level must be a mapping, and returns its key/value node pairs in
// file order. It rejects malformed and duplicate keys.
func yamlMapping(data []byte) ([][2]*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if doc.Kind == 0 { // empty document
		return nil, nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: top level must be a mapping of KEY: value", ErrInvalidConfig)
	}
	mapping := doc.Content[0]
	pairs := make([][2]*yaml.Node, 0, len(mapping.Content)/2)
	seen := make(map[string]bool, len(mapping.Content)/2)
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		keyNode, valueNode := mapping.Content[i], mapping.Content[i+1]
		if keyNode.Kind != yaml.ScalarNode || !keyPattern.MatchString(keyNode.Value) {
			return nil, keyError(keyNode.Value, fmt.Errorf("%w at line %d: want an UPPER_SNAKE_CASE name", ErrMalformedKey, keyNode.Line))
		}
		if seen[keyNode.Value] {
			return nil, keyError(keyNode.Value, fmt.Errorf("%w at line %d", ErrDuplicateKey, keyNode.Line))
		}
		seen[keyNode.Value] = true
		pairs = append(pairs, [2]*yaml.Node{keyNode, valueNode})
	}
	return pairs, nil
}

// scalarText returns the text of a scalar node, quoted or not.
func scalarText(node *yaml.Node) (string, error) {
	if node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	if node.Kind != yaml.ScalarNode || node.Tag == "!!null" {
		return "", fmt.Errorf("%w at line %d: want a single value", ErrInvalidValue, node.Line)
	}
	return strings.TrimSpace(node.Value), nil
}

func parseUint64(node *yaml.Node) (uint64, error) {
	text, err := scalarText(node)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w at line %d: want a decimal uint64, have %q", ErrInvalidValue, node.Line, text)
	}
	return v, nil
}

// uintValue is a uint64 or one of its spec types (Epoch, Gwei, Slot...).
type uintValue[T ~uint64] struct{ p *T }

func (v uintValue[T]) parse(node *yaml.Node) error {
	n, err := parseUint64(node)
	if err != nil {
		return err
	}
	*v.p = T(n)
	return nil
}

func (v uintValue[T]) render() any { return strconv.FormatUint(uint64(*v.p), 10) }

// hexValue is a fixed-size byte string (Version, DomainType, Hash32, ExecutionAddress) written as 0x-prefixed hex.
type hexValue struct{ b []byte }

func (v hexValue) parse(node *yaml.Node) error {
	text, err := scalarText(node)
	if err != nil {
		return err
	}
	digits, ok := strings.CutPrefix(text, "0x")
	if !ok {
		digits, ok = strings.CutPrefix(text, "0X")
	}
	if !ok || len(digits) != 2*len(v.b) {
		return fmt.Errorf("%w at line %d: want 0x and %d hex digits, have %q", ErrInvalidValue, node.Line, 2*len(v.b), text)
	}
	if _, err := hex.Decode(v.b, []byte(digits)); err != nil {
		return fmt.Errorf("%w at line %d: %q: %w", ErrInvalidValue, node.Line, text, err)
	}
	return nil
}

func (v hexValue) render() any { return "0x" + hex.EncodeToString(v.b) }

type stringValue struct{ p *string }

func (v stringValue) parse(node *yaml.Node) error {
	text, err := scalarText(node)
	if err != nil {
		return err
	}
	*v.p = text
	return nil
}

func (v stringValue) render() any { return *v.p }

// durationValue is a whole number of unit (seconds, milliseconds) held as a time.Duration.
type durationValue struct {
	p    *time.Duration
	unit time.Duration
}

func (v durationValue) parse(node *yaml.Node) error {
	n, err := parseUint64(node)
	if err != nil {
		return err
	}
	if n > uint64(math.MaxInt64/v.unit) {
		return fmt.Errorf("%w at line %d: %d is too long a duration", ErrInvalidValue, node.Line, n)
	}
	*v.p = time.Duration(n) * v.unit
	return nil
}

func (v durationValue) render() any { return strconv.FormatInt(int64(*v.p/v.unit), 10) }

// uint256Value is a decimal uint256 (TERMINAL_TOTAL_DIFFICULTY).
type uint256Value struct{ p *uint256.Int }

func (v uint256Value) parse(node *yaml.Node) error {
	text, err := scalarText(node)
	if err != nil {
		return err
	}
	n, err := uint256.FromDecimal(text)
	if err != nil {
		return fmt.Errorf("%w at line %d: want a decimal uint256, have %q: %w", ErrInvalidValue, node.Line, text, err)
	}
	*v.p = *n
	return nil
}

func (v uint256Value) render() any { return v.p.Dec() }

// blobScheduleValue is BLOB_SCHEDULE: a list of {EPOCH, MAX_BLOBS_PER_BLOCK} mappings, stored sorted by epoch.
type blobScheduleValue struct{ p *[]BlobScheduleEntry }

func (v blobScheduleValue) parse(node *yaml.Node) error {
	if node.Kind != yaml.SequenceNode {
		return fmt.Errorf("%w at line %d: want a list of {EPOCH, MAX_BLOBS_PER_BLOCK}", ErrInvalidValue, node.Line)
	}
	schedule := make([]BlobScheduleEntry, 0, len(node.Content))
	for i, item := range node.Content {
		entry, err := parseBlobScheduleEntry(item)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		schedule = append(schedule, entry)
	}
	*v.p = schedule
	return nil
}

func parseBlobScheduleEntry(node *yaml.Node) (BlobScheduleEntry, error) {
	var entry BlobScheduleEntry
	if node.Kind != yaml.MappingNode {
		return entry, fmt.Errorf("%w at line %d: want a mapping {EPOCH, MAX_BLOBS_PER_BLOCK}", ErrInvalidValue, node.Line)
	}
	var epochs, maxes int
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i], node.Content[i+1]
		var err error
		switch key.Value {
		case "EPOCH":
			err = uintValue[primitives.Epoch]{&entry.Epoch}.parse(value)
			epochs++
		case "MAX_BLOBS_PER_BLOCK":
			err = uintValue[uint64]{&entry.MaxBlobsPerBlock}.parse(value)
			maxes++
		default:
			err = fmt.Errorf("%w at line %d: unexpected field %q", ErrInvalidValue, key.Line, key.Value)
		}
		if err != nil {
			return entry, fmt.Errorf("%s: %w", key.Value, err)
		}
	}
	if epochs != 1 || maxes != 1 {
		return entry, fmt.Errorf("%w at line %d: want exactly one EPOCH and one MAX_BLOBS_PER_BLOCK", ErrInvalidValue, node.Line)
	}
	return entry, nil
}

func (v blobScheduleValue) render() any {
	out := make([]map[string]string, len(*v.p))
	for i, entry := range *v.p {
		out[i] = map[string]string{
			"EPOCH":               strconv.FormatUint(uint64(entry.Epoch), 10),
			"MAX_BLOBS_PER_BLOCK": strconv.FormatUint(entry.MaxBlobsPerBlock, 10),
		}
	}
	return out
}
