// Package actors is Salamander's kit for writing protoactor actors the same way everywhere:
//
//   - NewProps gives an actor its name, a logger with an actor attribute (ctx.Logger()), optional fault
//     injection and a mailbox, and turns every panic into a *Crash that carries the stack.
//   - Request sends a typed request and delivers the reply on the actor's own goroutine (ReenterAfter), so a
//     Receive never blocks waiting for another actor.
//   - Go starts a goroutine on an actor's behalf: it is cancelled when the actor's incarnation ends, and a panic in
//     it fails the actor, so the actor's supervisor restarts it.
//   - Bounded mailboxes with a drop policy and a drop counter, for actors fed by the network.
//   - FaultInjector panics, delays or drops any actor's messages, from tests or over HTTP.
//   - Fatal marks a failure no restart can cure (ErrFatal): supervisors escalate it at once and the node stops.
//
// Build every actor's props with NewProps, children of workers included: an actor built otherwise gets
// protoactor's own logger from ctx.Logger(), escapes fault injection, and fails without a stack.
package actors
