package actors

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// DropPolicy says which message a full bounded mailbox gives up.
type DropPolicy uint8

const (
	// DropNewest refuses the incoming message: what was accepted is kept, and the sender's excess is lost.
	DropNewest DropPolicy = iota
	// DropOldest discards the oldest waiting message to make room: the freshest messages are kept.
	DropOldest
)

func (p DropPolicy) String() string {
	switch p {
	case DropNewest:
		return "drop-newest"
	case DropOldest:
		return "drop-oldest"
	}
	return fmt.Sprintf("DropPolicy(%d)", uint8(p))
}

// Mailbox sizes of the presets.
const (
	GossipMailboxSize = 4096
	PeerMailboxSize   = 1024
)

// GossipMailbox is the preset for actors fed by gossip. Gossip is a flood that peers re-send and whose value
// decays with time (an attestation for an old slot is worth less than a new one), so when the actor falls behind
// the oldest messages go.
func GossipMailbox() actor.MailboxProducer { return Bounded(GossipMailboxSize, DropOldest) }

// PeerMailbox is the preset for actors fed by peer connections and requests. What was accepted is work in progress
// that someone waits for, so when the actor falls behind new arrivals are refused; a dropped request times out
// at its sender, which tells a remote peer to back off.
func PeerMailbox() actor.MailboxProducer { return Bounded(PeerMailboxSize, DropNewest) }

// Bounded returns a producer of mailboxes that hold at most capacity user messages, give up one by policy when
// full, and count what they gave up (BoundedMailbox.Dropped). System messages (start, stop, restart, failures)
// are never bounded or dropped. It panics if capacity < 1.
//
// protoactor's own bounded mailboxes do not fit a network-fed actor: actor.Bounded blocks the sender when full,
// and actor.BoundedDropping counts nothing and can block under concurrent senders.
func Bounded(capacity int, policy DropPolicy) actor.MailboxProducer {
	if capacity < 1 {
		panic(fmt.Sprintf("actors.Bounded: capacity %d < 1", capacity))
	}
	return func() actor.Mailbox {
		return &BoundedMailbox{user: make([]any, capacity), policy: policy}
	}
}

// BoundedMailbox is the mailbox made by Bounded. It follows protoactor's mailbox protocol: system messages
// first, user messages only while not suspended, a panic in the actor reported through EscalateFailure.
type BoundedMailbox struct {
	policy  DropPolicy
	dropped atomic.Uint64

	mu        sync.Mutex
	user      []any // ring buffer of user messages; its length is the capacity
	head, n   int
	system    []any
	suspended bool

	scheduled  atomic.Bool
	invoker    actor.MessageInvoker
	dispatcher actor.Dispatcher
}

var _ actor.Mailbox = (*BoundedMailbox)(nil)

// Dropped returns the number of user messages given up since the mailbox was made.
func (m *BoundedMailbox) Dropped() uint64 { return m.dropped.Load() }

// UserMessageCount returns the number of user messages waiting.
func (m *BoundedMailbox) UserMessageCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

func (m *BoundedMailbox) PostUserMessage(msg any) {
	m.mu.Lock()
	if m.n == len(m.user) {
		m.dropped.Add(1)
		if m.policy == DropNewest {
			m.mu.Unlock()
			return
		}
		m.user[m.head] = nil
		m.head = (m.head + 1) % len(m.user)
		m.n--
	}
	m.user[(m.head+m.n)%len(m.user)] = msg
	m.n++
	m.mu.Unlock()
	m.schedule()
}

func (m *BoundedMailbox) PostSystemMessage(msg any) {
	m.mu.Lock()
	m.system = append(m.system, msg)
	m.mu.Unlock()
	m.schedule()
}

func (m *BoundedMailbox) RegisterHandlers(invoker actor.MessageInvoker, dispatcher actor.Dispatcher) {
	m.invoker, m.dispatcher = invoker, dispatcher
}

func (m *BoundedMailbox) Start() {}

func (m *BoundedMailbox) schedule() {
	if m.scheduled.CompareAndSwap(false, true) {
		m.dispatcher.Schedule(m.process)
	}
}

func (m *BoundedMailbox) process() {
	for {
		m.run()
		m.scheduled.Store(false)
		// A message posted after run saw an empty mailbox but before scheduled was cleared found scheduled set
		// and did not schedule: look again.
		if !m.hasWork() || !m.scheduled.CompareAndSwap(false, true) {
			return
		}
	}
}

func (m *BoundedMailbox) hasWork() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.system) > 0 || (!m.suspended && m.n > 0)
}

func (m *BoundedMailbox) run() {
	var msg any // the message being handled, for EscalateFailure
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	throughput := m.dispatcher.Throughput()
	for i := 1; ; i++ {
		if i > throughput {
			i = 1
			runtime.Gosched()
		}
		var user, ok bool
		msg, user, ok = m.pop()
		switch {
		case !ok:
			return
		case user:
			m.invoker.InvokeUserMessage(msg)
		default:
			m.invoker.InvokeSystemMessage(msg)
		}
	}
}

// pop takes the next system message, or while not suspended the next user message; ok is false when there is
// none.
// Suspend and resume are the mailbox's own system messages and are applied here.
func (m *BoundedMailbox) pop() (msg any, user, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.system) > 0 {
		msg, m.system[0] = m.system[0], nil
		m.system = m.system[1:]
		switch msg.(type) {
		case *actor.SuspendMailbox:
			m.suspended = true
		case *actor.ResumeMailbox:
			m.suspended = false
		default:
			return msg, false, true
		}
	}
	if m.suspended || m.n == 0 {
		return nil, false, false
	}
	msg, m.user[m.head] = m.user[m.head], nil
	m.head = (m.head + 1) % len(m.user)
	m.n--
	return msg, true, true
}
