package main

import (
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

// On Ctrl-C or a kill, the sessions and temporary copies we started must
// not outlive us: each registers how to undo itself here.
var (
	interrupted atomic.Bool
	undoMu      sync.Mutex
	undoNext    int
	undoList    = map[int]func(){}
)

// onInterrupt registers undo and returns the function that unregisters it.
func onInterrupt(undo func()) (cancel func()) {
	undoMu.Lock()
	defer undoMu.Unlock()
	id := undoNext
	undoNext++
	undoList[id] = undo
	return func() {
		undoMu.Lock()
		defer undoMu.Unlock()
		delete(undoList, id)
	}
}

func handleInterrupts() {
	signals := make(chan os.Signal, 1)
	// SIGPIPE too: a demo piped into head must not leave its session.
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		sig := <-signals
		interrupted.Store(true)
		undoMu.Lock()
		for _, undo := range undoList {
			undo()
		}
		os.Exit(128 + int(sig.(syscall.Signal)))
	}()
}

// waitIfInterrupted parks the caller while the handler undoes and exits,
// so that a command killed by Ctrl-C is not reported as a failure, nor the
// next one started.
func waitIfInterrupted() {
	if interrupted.Load() {
		select {}
	}
}
