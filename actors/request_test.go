package actors

import (
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

type (
	question struct{}
	answer   struct{ text string }
	release  struct{ reply any } // the holder answers its pending question with reply
	ask      struct {
		target  *actor.PID
		timeout time.Duration
	}
	mark    struct{}
	boomNow struct{}
)

// holder keeps the question it gets and answers it when released.
func holder() actor.Producer {
	var pending *actor.PID
	return producer(func(ctx actor.Context) {
		switch msg := ctx.Message().(type) {
		case *question:
			pending = ctx.Sender()
		case *release:
			ctx.Send(pending, msg.reply)
			ctx.Respond(true)
		}
	})
}

type result struct {
	answer *answer
	err    error
	marked bool // the asker had handled a mark before the reply came
}

// asker asks on *ask and reports each reply; it counts its incarnations on started.
func asker(results chan<- result, started chan<- struct{}) actor.Producer {
	return func() actor.Actor {
		marked := false
		return funcActor(func(ctx actor.Context) {
			switch msg := ctx.Message().(type) {
			case *actor.Started:
				started <- struct{}{}
			case *ask:
				Request(ctx, msg.target, &question{}, msg.timeout, func(a *answer, err error) {
					results <- result{answer: a, err: err, marked: marked}
				})
			case *mark:
				marked = true
				ctx.Respond(true)
			case *boomNow:
				panic("boom")
			}
		})
	}
}

type requestFixture struct {
	system  *actor.ActorSystem
	target  *actor.PID
	asker   *actor.PID
	results chan result
	started chan struct{}
}

func newRequestFixture(t *testing.T) *requestFixture {
	f := &requestFixture{system: newSystem(t), results: make(chan result, 10), started: make(chan struct{}, 10)}
	f.target = f.system.Root.Spawn(NewProps("holder", holder(), WithLogger(discard())))
	f.asker = f.system.Root.Spawn(NewProps("asker", asker(f.results, f.started), WithLogger(discard())))
	receive(t, f.started, "asker start")
	return f
}

func TestRequestDeliversTheReplyLaterOnTheActorsGoroutine(t *testing.T) {
	f := newRequestFixture(t)
	f.system.Root.Send(f.asker, &ask{target: f.target, timeout: deadline})
	// While the question waits, the asker's mailbox keeps serving.
	request(t, f.system, f.asker, &mark{})
	request(t, f.system, f.target, &release{reply: &answer{text: "42"}})

	r := receive(t, f.results, "reply")
	if r.err != nil || r.answer.text != "42" {
		t.Fatalf("reply %+v, %v", r.answer, r.err)
	}
	if !r.marked {
		t.Error("the callback ran before the message handled while waiting: it did not run in the actor's order")
	}
}

func TestRequestTimesOut(t *testing.T) {
	f := newRequestFixture(t)
	const timeout = 100 * time.Millisecond
	began := time.Now()
	f.system.Root.Send(f.asker, &ask{target: f.target, timeout: timeout})
	r := receive(t, f.results, "timeout")
	if !errors.Is(r.err, ErrRequestTimeout) || r.answer != nil {
		t.Fatalf("have %+v, %v; want ErrRequestTimeout", r.answer, r.err)
	}
	if took := time.Since(began); took < timeout {
		t.Errorf("timed out after %s, before %s", took, timeout)
	}
}

func TestRequestRejectsAReplyOfTheWrongType(t *testing.T) {
	f := newRequestFixture(t)
	f.system.Root.Send(f.asker, &ask{target: f.target, timeout: deadline})
	request(t, f.system, f.asker, &mark{}) // the question has reached the holder
	request(t, f.system, f.target, &release{reply: "not an answer"})
	r := receive(t, f.results, "reply")
	if !errors.Is(r.err, ErrWrongReply) || r.err.Error() !=
		"request *actors.question to "+f.target.Id+": unexpected reply type: have string, want *actors.answer" {
		t.Fatalf("have %v; want ErrWrongReply", r.err)
	}
}

func TestRequestToAStoppedActorFails(t *testing.T) {
	f := newRequestFixture(t)
	if err := f.system.Root.StopFuture(f.target).Wait(); err != nil {
		t.Fatal(err)
	}
	f.system.Root.Send(f.asker, &ask{target: f.target, timeout: deadline})
	if r := receive(t, f.results, "reply"); !errors.Is(r.err, ErrNotRunning) {
		t.Fatalf("have %v; want ErrNotRunning", r.err)
	}
}

func TestReplyToAnEarlierIncarnationIsNotDelivered(t *testing.T) {
	f := newRequestFixture(t)
	f.system.Root.Send(f.asker, &ask{target: f.target, timeout: deadline})
	f.system.Root.Send(f.asker, &boomNow{})
	receive(t, f.started, "asker restart")
	// The reply completes the future at once, and the continuation it posts to the asker is a system message: it
	// is handled before the mark that follows.
	request(t, f.system, f.target, &release{reply: &answer{text: "late"}})
	request(t, f.system, f.asker, &mark{})
	select {
	case r := <-f.results:
		t.Fatalf("the restarted asker got the reply to its predecessor: %+v, %v", r.answer, r.err)
	default:
	}
}
