// A Go workload for proflow's interop tests: the real Pyroscope Go SDK (version pinned in go.mod,
// listed in tests/peers/versions) pushes CPU plus the godeltaprof heap, mutex and block profiles to
// the /ingest endpoint given on the command line, with tags, a tenant and basic auth.
//
//	pyroscope-go-workload -server http://127.0.0.1:PORT -seconds 10 -tenant T -user U -password P
//
// Built by scripts/install-test-peers.sh into the user cache, never into the repository.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/grafana/pyroscope-go"
)

var sink []byte

//go:noinline
func burnCPU(n int) uint64 {
	var h uint64 = 1469598103934665603
	for i := 0; i < n; i++ {
		h ^= uint64(i)
		h *= 1099511628211
	}
	return h
}

//go:noinline
func allocate() {
	for i := 0; i < 64; i++ {
		sink = make([]byte, 64<<10)
	}
}

//go:noinline
func contendMutex(mu *sync.Mutex, shared *int) {
	for i := 0; i < 200; i++ {
		mu.Lock()
		*shared++
		burnCPU(2000)
		mu.Unlock()
	}
}

//go:noinline
func blockOnChannel(ch chan int) {
	for i := 0; i < 20; i++ {
		<-ch
	}
}

func main() {
	server := flag.String("server", "http://127.0.0.1:4040", "pyroscope server address")
	seconds := flag.Int("seconds", 10, "how long to run")
	tenant := flag.String("tenant", "", "X-Scope-OrgID")
	user := flag.String("user", "", "basic auth user")
	password := flag.String("password", "", "basic auth password")
	app := flag.String("app", "go-sdk-app", "application name")
	flag.Parse()

	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	p, err := pyroscope.Start(pyroscope.Config{
		ApplicationName:   *app,
		ServerAddress:     *server,
		TenantID:          *tenant,
		BasicAuthUser:     *user,
		BasicAuthPassword: *password,
		Tags:              map[string]string{"env": "ci", "team": "profiling"},
		UploadRate:        5 * time.Second,
		ProfileTypes: []pyroscope.ProfileType{
			pyroscope.ProfileCPU,
			pyroscope.ProfileAllocObjects, pyroscope.ProfileAllocSpace,
			pyroscope.ProfileInuseObjects, pyroscope.ProfileInuseSpace,
			pyroscope.ProfileMutexCount, pyroscope.ProfileMutexDuration,
			pyroscope.ProfileBlockCount, pyroscope.ProfileBlockDuration,
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pyroscope.Start:", err)
		os.Exit(1)
	}

	deadline := time.Now().Add(time.Duration(*seconds) * time.Second)
	var mu sync.Mutex
	shared := 0
	ch := make(chan int)
	go func() {
		for time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			select {
			case ch <- 1:
			default:
			}
		}
		close(ch)
	}()
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				contendMutex(&mu, &shared)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		blockOnChannel(ch)
		for range ch {
		}
	}()
	pyroscope.TagWrapper(context.Background(), pyroscope.Labels("endpoint", "/checkout"), func(context.Context) {
		for time.Now().Before(deadline) {
			burnCPU(200000)
			allocate()
		}
	})
	wg.Wait()
	if err := p.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop:", err)
		os.Exit(1)
	}
	fmt.Println("stopped")
}
