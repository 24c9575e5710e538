package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestAwaitUnlocked: shutdown waits while the server that answered holds
// the lock, and no longer once a new server (another pid) holds it.
func TestAwaitUnlocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pizauth.lock")
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	server, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if err := unix.Flock(int(server.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	lock, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	holder := lockHolder(lock)
	if holder != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lockHolder = %q; want our pid", holder)
	}
	err = awaitUnlocked(lock, holder, 20*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "has not stopped after 20ms") {
		t.Errorf("awaitUnlocked while held = %v; want it to give up", err)
	}
	if _, err := server.WriteAt([]byte("1\n     "), 0); err != nil {
		t.Fatal(err)
	}
	if err := awaitUnlocked(lock, holder, time.Minute); err != nil {
		t.Errorf("awaitUnlocked held by another pid = %v; want nil", err)
	}
	server.WriteAt([]byte(holder+"\n"), 0)
	server.Close()
	if err := awaitUnlocked(lock, holder, time.Minute); err != nil {
		t.Errorf("awaitUnlocked once released = %v; want nil", err)
	}
}
