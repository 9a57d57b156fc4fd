// A Java workload for proflow's interop tests. It is run with the real Pyroscope Java agent
// (io.pyroscope:agent from Maven Central, version in tests/peers/versions), which bundles
// async-profiler and pushes JFR (multipart with labels) to /ingest: CPU, allocations and lock
// contention, all three produced here on purpose. The main loop runs inside the agent's
// LabelsWrapper, so the uploads carry a `labels` part (dynamic labels) next to the `jfr` part.
// Compiled against the agent jar (scripts/install-test-peers.sh), which -javaagent puts on the
// class path at run time.
//
//   java -javaagent:agent.jar -cp DIR Workload SECONDS
import io.pyroscope.labels.v2.LabelsSet;
import io.pyroscope.labels.v2.Pyroscope;
import java.util.ArrayList;
import java.util.List;

public class Workload {
    static volatile long sink;
    static final Object LOCK = new Object();

    static long burn(int n) {
        long h = 1469598103934665603L;
        for (int i = 0; i < n; i++) {
            h ^= i;
            h *= 1099511628211L;
        }
        return h;
    }

    static void allocate() {
        List<byte[]> keep = new ArrayList<>();
        for (int i = 0; i < 64; i++) keep.add(new byte[64 << 10]);
        sink += keep.size();
    }

    static void contend() {
        synchronized (LOCK) {
            sink += burn(200000);
        }
    }

    public static void main(String[] args) throws Exception {
        long deadline = System.currentTimeMillis() + Long.parseLong(args[0]) * 1000L;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> {
                while (System.currentTimeMillis() < deadline) contend();
            }, "contender-" + t);
            th.start();
            threads.add(th);
        }
        LabelsSet checkout = new LabelsSet("endpoint", "/checkout");
        while (System.currentTimeMillis() < deadline) {
            Pyroscope.LabelsWrapper.run(checkout, () -> {
                sink += burn(500000);
                allocate();
            });
        }
        for (Thread th : threads) th.join();
        System.out.println("stopped");
    }
}
