package actors

import (
	"slices"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

type (
	block struct{}
	flush struct{}
	fail  struct{}
)

// mailboxFixture is an actor with a bounded mailbox that reports the numbers it handles. A *block holds it until
// the gate closes, so the test can fill its mailbox.
type mailboxFixture struct {
	system  *actor.ActorSystem
	pid     *actor.PID
	mailbox *BoundedMailbox
	handled chan int
	blocked chan struct{}
	gate    chan struct{}
	started chan struct{}
}

func newMailboxFixture(t *testing.T, capacity int, policy DropPolicy) *mailboxFixture {
	f := &mailboxFixture{
		system:  newSystem(t),
		handled: make(chan int, 100_000),
		blocked: make(chan struct{}, 1),
		gate:    make(chan struct{}),
		started: make(chan struct{}, 10),
	}
	mailboxes := make(chan *BoundedMailbox, 1)
	produce := Bounded(capacity, policy)
	f.pid = f.system.Root.Spawn(NewProps("fed", producer(func(ctx actor.Context) {
		switch msg := ctx.Message().(type) {
		case *actor.Started:
			f.started <- struct{}{}
		case *block:
			f.blocked <- struct{}{}
			<-f.gate
		case *userMsg:
			f.handled <- msg.n
		case *flush:
			ctx.Respond(true)
		case *fail:
			panic("fail")
		}
	}), WithLogger(discard()), WithMailbox(func() actor.Mailbox {
		mb := produce().(*BoundedMailbox)
		mailboxes <- mb
		return mb
	})))
	f.mailbox = receive(t, mailboxes, "mailbox")
	receive(t, f.started, "start")
	return f
}

// fill blocks the actor and sends it messages from..to.
func (f *mailboxFixture) fill(t *testing.T, from, to int) {
	f.system.Root.Send(f.pid, &block{})
	receive(t, f.blocked, "block")
	for i := from; i <= to; i++ {
		f.system.Root.Send(f.pid, &userMsg{i})
	}
}

// drain releases the actor and returns the numbers it handles, once count of them came and a flush after them
// shows nothing else is waiting.
func (f *mailboxFixture) drain(t *testing.T, count int) []int {
	close(f.gate)
	var got []int
	for len(got) < count {
		got = append(got, receive(t, f.handled, "message"))
	}
	request(t, f.system, f.pid, &flush{})
	for len(f.handled) > 0 {
		got = append(got, <-f.handled)
	}
	return got
}

func TestBoundedMailboxDropsNewest(t *testing.T) {
	f := newMailboxFixture(t, 4, DropNewest)
	f.fill(t, 1, 10)
	if n := f.mailbox.UserMessageCount(); n != 4 {
		t.Errorf("%d messages waiting, want 4", n)
	}
	if got := f.drain(t, 4); !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("handled %v", got)
	}
	if d := f.mailbox.Dropped(); d != 6 {
		t.Errorf("dropped %d, want 6", d)
	}
}

func TestBoundedMailboxDropsOldest(t *testing.T) {
	f := newMailboxFixture(t, 4, DropOldest)
	f.fill(t, 1, 10)
	if got := f.drain(t, 4); !slices.Equal(got, []int{7, 8, 9, 10}) {
		t.Errorf("handled %v", got)
	}
	if d := f.mailbox.Dropped(); d != 6 {
		t.Errorf("dropped %d, want 6", d)
	}
}

func TestBoundedMailboxStopsWhenFull(t *testing.T) {
	f := newMailboxFixture(t, 2, DropNewest)
	f.fill(t, 1, 5)
	stopped := f.system.Root.StopFuture(f.pid) // a system message: never bounded
	close(f.gate)
	if err := stopped.Wait(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestBoundedMailboxKeepsMessagesAcrossARestart(t *testing.T) {
	f := newMailboxFixture(t, 8, DropNewest)
	f.system.Root.Send(f.pid, &fail{})
	for i := 1; i <= 3; i++ {
		f.system.Root.Send(f.pid, &userMsg{i})
	}
	receive(t, f.started, "restart")
	var got []int
	for len(got) < 3 {
		got = append(got, receive(t, f.handled, "message"))
	}
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("handled %v after the restart", got)
	}
}

func TestBoundedMailboxUnderConcurrentSenders(t *testing.T) {
	f := newMailboxFixture(t, 64, DropOldest)
	const senders, each = 8, 2000
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				f.system.Root.Send(f.pid, &userMsg{s*each + i})
			}
		}()
	}
	wg.Wait()
	request(t, f.system, f.pid, &flush{}) // may be dropped itself only if 64 newer messages follow: none do
	handled := len(f.handled)
	if total := uint64(handled) + f.mailbox.Dropped(); total != senders*each {
		t.Errorf("handled %d + dropped %d != sent %d", handled, f.mailbox.Dropped(), senders*each)
	}
}
