package paths

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestLockHolder(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		content string
		pid     int
		ok      bool
	}{
		{"1234\n", 1234, true},
		{"  77  ", 77, true},
		{"", 0, false},
		{"not a pid\n", 0, false},
		{"-5\n", 0, false},
		{"0\n", 0, false},
		{"1234" + string(make([]byte, 64)), 0, false}, // more than a pid
	}
	for _, tt := range tests {
		path := filepath.Join(dir, LockName)
		if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		pid, ok := LockHolder(f)
		f.Close()
		if pid != tt.pid || ok != tt.ok {
			t.Errorf("LockHolder of %q = %d, %v; want %d, %v", tt.content, pid, ok, tt.pid, tt.ok)
		}
	}
	if _, ok := LockHolder(nil); ok {
		t.Error("LockHolder(nil) is ok")
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := LockHolder(f); ok {
		t.Error("LockHolder of a FIFO is ok")
	}
}
