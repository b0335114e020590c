// Command ferretdb runs FerretDB v1.24.2 (SQLite backend) embedded, as a local
// MongoDB wire-protocol server for mentornet development and CI.
//
// It exists because `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`
// builds a binary that panics at start (its version file is generated at release
// time); the embeddable package works. Telemetry is disabled by that package.
//
// Usage: ferretdb -listen 127.0.0.1:27017 -data-dir DIR [-log-level info] [-synchronous full]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "data", "directory holding the SQLite databases")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	// normal: a commit is durable once it is in the write-ahead log, which is synced at
	// checkpoints rather than at every commit. A crash of this server loses nothing; a crash of
	// the machine may lose the last commits, as MongoDB's default write concern (acknowledged
	// before its journal is synced, every 100 ms) may. full syncs at every commit, and a commit
	// then waits for whatever else the machine is writing (Kafka's segments): a second at times.
	synchronous := flag.String("synchronous", "normal", "SQLite's synchronous setting: normal or full")
	flag.Parse()
	if *synchronous != "normal" && *synchronous != "full" {
		fmt.Fprintf(os.Stderr, "ferretdb: -synchronous must be normal or full, not %q\n", *synchronous)
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	dir, err := filepath.Abs(*dataDir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		logger.Error("data directory", "dir", *dataDir, "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(" + *synchronous + ")",
	})
	if err != nil {
		logger.Error("start", "error", err)
		os.Exit(1)
	}

	// Startup line the start script does not depend on, but humans read.
	logger.Warn("ferretdb listening", "addr", *listen, "data_dir", dir, "version", "v1.24.2")
	if err := f.Run(ctx); err != nil {
		logger.Error("run", "error", err)
		os.Exit(1)
	}
	logger.Warn("ferretdb stopped")
}
