// Package discovery finds peers with discv5 (go-ethereum's p2p/discover) and keeps the node's ENR with the
// consensus entries: eth2 (ENRForkID, with Fulu's blob-parameter fork digest), attnets, syncnets, cgc and nfd.
package discovery

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net/netip"

	gcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// ENR keys of the consensus p2p spec.
const (
	KeyEth2     = "eth2"
	KeyAttnets  = "attnets"
	KeySyncnets = "syncnets"
	KeyCGC      = "cgc"
	KeyNFD      = "nfd"
)

var (
	// ErrNoEth2 is returned for a record without a valid eth2 entry: not a consensus node.
	ErrNoEth2 = errors.New("ENR has no valid eth2 entry")
	// ErrNoTCP is returned for a record that gives no IP and TCP port to dial.
	ErrNoTCP = errors.New("ENR has no IP and TCP port")
	// ErrBadKey is returned for a key that is not secp256k1.
	ErrBadKey = errors.New("not a secp256k1 key")
)

// Fields are the consensus entries of an ENR.
type Fields struct {
	ForkID            types.ENRForkID
	Attnets           [types.AttnetsBytes]byte
	Syncnets          [types.SyncnetsBytes]byte
	CustodyGroupCount uint64
	NextForkDigest    primitives.ForkDigest
}

// LocalFields computes the node's own entries at epoch (the wall-clock epoch): the fork digest of that epoch, the
// next fork's version and epoch (a blob-parameter-only fork counts for the epoch, not the version), and its digest.
func LocalFields(spec *params.Spec, gvr primitives.Root, epoch primitives.Epoch, attnets [types.AttnetsBytes]byte,
	syncnets [types.SyncnetsBytes]byte, custodyGroupCount uint64) Fields {
	return Fields{
		ForkID: types.ENRForkID{
			ForkDigest:      spec.ComputeForkDigest(gvr, epoch),
			NextForkVersion: spec.NextForkVersion(epoch),
			NextForkEpoch:   spec.NextForkEpoch(epoch),
		},
		Attnets:           attnets,
		Syncnets:          syncnets,
		CustodyGroupCount: custodyGroupCount,
		NextForkDigest:    spec.NextForkDigest(gvr, epoch),
	}
}

// apply sets the entries on the local node; the node re-signs its record with a new sequence number.
func (f Fields) apply(ln *enode.LocalNode) error {
	forkID, err := types.Marshal(&f.ForkID)
	if err != nil {
		return fmt.Errorf("encode eth2 entry: %w", err)
	}
	ln.Set(enr.WithEntry(KeyEth2, forkID))
	ln.Set(enr.WithEntry(KeyAttnets, f.Attnets[:]))
	ln.Set(enr.WithEntry(KeySyncnets, f.Syncnets[:]))
	ln.Set(enr.WithEntry(KeyCGC, f.CustodyGroupCount)) // RLP: big-endian, no leading zeros, 0 as empty
	ln.Set(enr.WithEntry(KeyNFD, f.NextForkDigest[:]))
	return nil
}

// ReadFields reads the consensus entries of a record. Only eth2 is required; missing optional entries read as zero.
func ReadFields(n *enode.Node) (Fields, error) {
	var f Fields
	var raw []byte
	if err := n.Load(enr.WithEntry(KeyEth2, &raw)); err != nil {
		return f, fmt.Errorf("%w: %w", ErrNoEth2, err)
	}
	if err := types.Unmarshal(raw, &f.ForkID); err != nil {
		return f, fmt.Errorf("%w: %w", ErrNoEth2, err)
	}
	if err := n.Load(enr.WithEntry(KeyAttnets, &raw)); err == nil && len(raw) == len(f.Attnets) {
		copy(f.Attnets[:], raw)
	}
	if err := n.Load(enr.WithEntry(KeySyncnets, &raw)); err == nil && len(raw) == len(f.Syncnets) {
		copy(f.Syncnets[:], raw)
	}
	var cgc uint64
	if err := n.Load(enr.WithEntry(KeyCGC, &cgc)); err == nil {
		f.CustodyGroupCount = cgc
	}
	if err := n.Load(enr.WithEntry(KeyNFD, &raw)); err == nil && len(raw) == len(f.NextForkDigest) {
		copy(f.NextForkDigest[:], raw)
	}
	return f, nil
}

// HasAttnet tells whether the record's attnets announce the subnet.
func (f Fields) HasAttnet(subnet uint64) bool {
	return subnet < types.AttestationSubnetCount && f.Attnets[subnet/8]&(1<<(subnet%8)) != 0
}

// HasSyncnet tells whether the record's syncnets announce the subnet.
func (f Fields) HasSyncnet(subnet uint64) bool {
	return subnet < types.SyncCommitteeSubnetCount && f.Syncnets[subnet/8]&(1<<(subnet%8)) != 0
}

// ParseENR parses an "enr:..." string and checks its signature.
func ParseENR(s string) (*enode.Node, error) {
	n, err := enode.Parse(enode.ValidSchemes, s)
	if err != nil {
		return nil, fmt.Errorf("parse ENR: %w", err)
	}
	return n, nil
}

// PeerID is the libp2p peer ID of a record's secp256k1 key.
func PeerID(n *enode.Node) (peer.ID, error) {
	pub := n.Pubkey()
	if pub == nil {
		return "", ErrBadKey
	}
	key, err := crypto.UnmarshalSecp256k1PublicKey(gcrypto.CompressPubkey(pub))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	return peer.IDFromPublicKey(key)
}

// AddrInfo is what libp2p dials for a record: its peer ID and its TCP (and QUIC, when announced) multiaddrs.
func AddrInfo(n *enode.Node) (peer.AddrInfo, error) {
	id, err := PeerID(n)
	if err != nil {
		return peer.AddrInfo{}, err
	}
	info := peer.AddrInfo{ID: id}
	if tcp, ok := n.TCPEndpoint(); ok {
		if a, err := multiaddrOf(tcp, "tcp"); err == nil {
			info.Addrs = append(info.Addrs, a)
		}
	}
	if quic, ok := n.QUICEndpoint(); ok {
		if a, err := multiaddrOf(quic, "quic"); err == nil {
			info.Addrs = append(info.Addrs, a)
		}
	}
	if len(info.Addrs) == 0 {
		return peer.AddrInfo{}, ErrNoTCP
	}
	return info, nil
}

func multiaddrOf(ap netip.AddrPort, transport string) (ma.Multiaddr, error) {
	ipProto := "ip4"
	if ap.Addr().Is6() && !ap.Addr().Is4In6() {
		ipProto = "ip6"
	}
	s := fmt.Sprintf("/%s/%s/tcp/%d", ipProto, ap.Addr().Unmap(), ap.Port())
	if transport == "quic" {
		s = fmt.Sprintf("/%s/%s/udp/%d/quic-v1", ipProto, ap.Addr().Unmap(), ap.Port())
	}
	return ma.NewMultiaddr(s)
}

// ECDSAKey converts the node's libp2p secp256k1 key for discv5.
func ECDSAKey(k crypto.PrivKey) (*ecdsa.PrivateKey, error) {
	if k.Type() != crypto.Secp256k1 {
		return nil, fmt.Errorf("%w: %s", ErrBadKey, k.Type())
	}
	raw, err := k.Raw()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	key, err := gcrypto.ToECDSA(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	return key, nil
}
