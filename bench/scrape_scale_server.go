// scrape_scale_server.go — the target side of bench/scrape_scale.py: one HTTP server that answers
// every GET with the same fixture pprof, so N scrape targets are N distinct paths
// (/t<i>/debug/pprof/allocs) on one port. Prints "LISTENING <addr>" once bound. Standard library only.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	file := flag.String("file", "", "pprof file served for every path")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	fmt.Printf("LISTENING %s\n", ln.Addr())
	http.Serve(ln, handler)
}
