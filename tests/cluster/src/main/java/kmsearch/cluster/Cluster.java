package kmsearch.cluster;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * The kmsearch test cluster: OpenSearch nodes from Maven Central artifacts,
 * one JVM per node, on 127.0.0.1.
 *
 * <pre>
 * Cluster start [--nodes 2] [--tiebreaker true] [--base DIR] [--name NAME]
 *               [--heap 512m] [--tiebreaker-heap 256m]
 *               [--http-ports P1,P2,..] [--transport-ports T1,T2,..]
 *               [--timeout SECONDS] [--parent-pid PID]
 *               [--jvm-opts "-XX:TieredStopAtLevel=1"]
 *     Starts NODES data nodes (node-1..node-N, each cluster-manager-eligible)
 *     and, with --tiebreaker true, one more JVM node-(N+1) that is only
 *     cluster-manager-eligible (holds no shard): with two voters a cluster
 *     loses its manager when the node holding the one vote dies, with three
 *     any one node can be killed.  Each node is a child JVM ("Cluster node
 *     ..."); it waits (bounded) until the cluster is green with every node,
 *     writes BASE/ready.json (ports, pids, roles,
 *     the command line of each node so one can be restarted) and keeps
 *     running until it gets SIGTERM/SIGINT or its parent process dies; then
 *     it stops every node.  Ports not given are free ports of 127.0.0.1.
 *
 * Cluster node --id I --base DIR --name NAME --http P --transport T
 *              --seeds H:T,H:T --managers node-1,node-2 [--parent-pid PID]
 *              [--roles cluster_manager,data,ingest]
 *     Runs one node (codelibs' OpenSearchRunner with one node) and writes
 *     DIR/node.json once it is started.  Exits when PID dies.
 * </pre>
 *
 * No security plugin is on the classpath: plain HTTP, no users.
 */
public final class Cluster {

    /** The modules each node loads from the classpath (see pom.xml). */
    static final String MODULES = String.join(",",
            "org.opensearch.transport.Netty4Plugin",
            "org.opensearch.analysis.common.CommonAnalysisPlugin",
            "org.opensearch.index.mapper.MapperExtrasPlugin",
            "org.opensearch.index.reindex.ReindexPlugin",
            "org.opensearch.painless.PainlessPlugin");

    /**
     * Extra options of each node's JVM unless --jvm-opts is given: C1 only
     * halves the time to green on 2 busy cores (65 s to 27 s measured) at
     * the cost of peak speed -- give --jvm-opts "" for benchmarks.
     */
    static final String DEFAULT_JVM_OPTS = "-XX:TieredStopAtLevel=1";

    private Cluster() {
    }

    public static void main(final String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        final Map<String, String> opts = parse(args);
        switch (args[0]) {
        case "start":
            System.exit(start(opts));
            break;
        case "node":
            node(opts);
            break;
        default:
            usage();
        }
    }

    private static void usage() {
        System.err.println("usage: Cluster start [--nodes N] [--base DIR] [--name NAME] [--heap 512m] "
                + "[--http-ports P,..] [--transport-ports T,..] [--timeout S] [--parent-pid PID]\n"
                + "       Cluster node --id I --base DIR --name NAME --http P --transport T "
                + "--seeds H:T,.. --managers N,.. [--parent-pid PID]");
        System.exit(64);
    }

    private static Map<String, String> parse(final String[] args) {
        final Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("bad argument: " + args[i]);
                usage();
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }

    private static String need(final Map<String, String> opts, final String key) {
        final String v = opts.get(key);
        if (v == null) {
            System.err.println("missing --" + key);
            usage();
        }
        return v;
    }

    // ------------------------------------------------------------------ node

    static void node(final Map<String, String> opts) throws Exception {
        final int id = Integer.parseInt(need(opts, "id"));
        final Path home = Paths.get(need(opts, "base")).toAbsolutePath();
        final String name = "node-" + id;
        final String http = need(opts, "http");
        final String transport = need(opts, "transport");
        final List<String> seeds = List.of(need(opts, "seeds").split(","));
        final List<String> managers = List.of(need(opts, "managers").split(","));
        final List<String> roles = List.of(opts.getOrDefault("roles", "cluster_manager,data,ingest").split(","));
        Files.createDirectories(home);
        final Path ready = home.resolve("node.json");
        Files.deleteIfExists(ready);

        watchParent(opts.get("parent-pid"));

        final OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1); // the port given is the port used
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final Exception e) {
                System.err.println("closing " + name + ": " + e);
            }
        }, "close-node"));
        runner.onBuild((number, settings) -> {
            settings.put("node.name", name);
            settings.put("path.home", home.toString());
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", http);
            settings.put("transport.port", transport);
            settings.putList("discovery.seed_hosts", seeds);
            settings.putList("cluster.initial_cluster_manager_nodes", managers);
            settings.putList("node.roles", roles);
            // a shared machine's disk may be fuller than the watermarks allow
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        }).build("-clusterName", need(opts, "name"), "-numOfNode", "1", "-basePath", home.toString(),
                "-confPath", home.resolve("config").toString(), "-dataPath", home.resolve("data").toString(),
                "-logsPath", home.resolve("logs").toString(), "-moduleTypes", opts.getOrDefault("modules", MODULES),
                "-printOnFailure");

        final String json = "{\"id\": " + id + ", \"name\": \"" + name + "\", \"pid\": " + ProcessHandle.current().pid()
                + ", \"roles\": [" + roles.stream().map(Cluster::q).collect(Collectors.joining(", ")) + "]"
                + ", \"http\": " + http + ", \"transport\": " + transport + "}\n";
        writeAtomically(ready, json);
        System.out.println("NODE STARTED " + json.trim());
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }

    /** Exit (running the shutdown hooks) when the process PID is gone. */
    private static void watchParent(final String pid) {
        if (pid == null) {
            return;
        }
        final Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid));
        final Thread t = new Thread(() -> {
            while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(500);
                } catch (final InterruptedException e) {
                    return;
                }
            }
            System.err.println("parent process " + pid + " is gone: stopping");
            System.exit(0);
        }, "watch-parent");
        t.setDaemon(true);
        t.start();
    }

    // ----------------------------------------------------------- coordinator

    static int start(final Map<String, String> opts) throws Exception {
        final int dataNodes = Integer.parseInt(opts.getOrDefault("nodes", "2"));
        final boolean tiebreaker = Boolean.parseBoolean(opts.getOrDefault("tiebreaker", "true"));
        final int n = dataNodes + (tiebreaker ? 1 : 0);
        final Path base = opts.containsKey("base") ? Paths.get(opts.get("base")).toAbsolutePath()
                : Files.createTempDirectory("kmsearch-cluster");
        Files.createDirectories(base);
        final String clusterName = opts.getOrDefault("name", "kmsearch-test");
        final String dataHeap = opts.getOrDefault("heap", "512m");
        final String tiebreakerHeap = opts.getOrDefault("tiebreaker-heap", "256m");
        final long timeoutMs = (long) (Double.parseDouble(opts.getOrDefault("timeout", "180")) * 1000);
        final long t0 = System.nanoTime();
        final Path readyFile = base.resolve("ready.json");
        Files.deleteIfExists(readyFile);

        final List<Integer> free = freePorts(2 * n - given(opts, "http-ports", n).size() - given(opts, "transport-ports", n).size());
        final List<Integer> httpPorts = ports(opts, "http-ports", n, free);
        final List<Integer> transportPorts = ports(opts, "transport-ports", n, free);
        final List<String> seeds = transportPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.toList());
        final List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            names.add("node-" + i);
        }

        watchParent(opts.get("parent-pid"));
        final String java = ProcessHandle.current().info().command().orElse("java");
        final String classpath = System.getProperty("java.class.path");
        final long me = ProcessHandle.current().pid();

        final List<Process> children = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(children), "stop-nodes"));

        final List<List<String>> argvs = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            final Path home = base.resolve("node-" + i);
            Files.createDirectories(home);
            final boolean data = i <= dataNodes;
            final String heap = data ? dataHeap : tiebreakerHeap;
            final String roles = data ? "cluster_manager,data,ingest" : "cluster_manager";
            final List<String> argv = new ArrayList<>(List.of(java, "-Xms" + heap, "-Xmx" + heap,
                    "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
                    "-Dfile.encoding=UTF-8", "-Dlog4j2.disable.jmx=true", "-Dlog4j.shutdownHookEnabled=false",
                    "-Djava.io.tmpdir=" + home.resolve("tmp")));
            for (final String o : opts.getOrDefault("jvm-opts", DEFAULT_JVM_OPTS).trim().split("\\s+")) {
                if (!o.isEmpty()) {
                    argv.add(o);
                }
            }
            argv.addAll(List.of("-cp", classpath, Cluster.class.getName(), "node",
                    "--id", String.valueOf(i), "--base", home.toString(), "--name", clusterName,
                    "--http", String.valueOf(httpPorts.get(i - 1)),
                    "--transport", String.valueOf(transportPorts.get(i - 1)),
                    "--seeds", String.join(",", seeds), "--managers", String.join(",", names),
                    "--roles", roles, "--parent-pid", String.valueOf(me)));
            Files.createDirectories(home.resolve("tmp"));
            argvs.add(argv);
            final File log = home.resolve("stdout.log").toFile();
            final Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
            synchronized (children) {
                children.add(p);
            }
            System.out.println("started node-" + i + " (" + roles + ", heap " + heap + ") pid " + p.pid() + " http 127.0.0.1:" + httpPorts.get(i - 1)
                    + " transport " + transportPorts.get(i - 1) + " log " + log);
        }

        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        final long deadline = System.currentTimeMillis() + timeoutMs;
        String last = "no answer yet";
        boolean green = false;
        while (System.currentTimeMillis() < deadline) {
            for (int i = 0; i < n; i++) {
                if (!children.get(i).isAlive()) {
                    fail("node-" + (i + 1) + " exited with status " + children.get(i).exitValue()
                            + " before the cluster was green", base, n);
                    return 2;
                }
            }
            try {
                final HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + httpPorts.get(0) + "/_cluster/health?wait_for_status=green&wait_for_nodes=" + n + "&timeout=2s"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && r.body().contains("\"status\":\"green\"")
                        && r.body().contains("\"number_of_nodes\":" + n + ",")) {
                    green = true;
                    break;
                }
            } catch (final IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        if (!green) {
            fail("the cluster was not green with " + n + " nodes within " + timeoutMs / 1000 + " s; last health: "
                    + last, base, n);
            return 3;
        }
        final double seconds = (System.nanoTime() - t0) / 1e9;

        final StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"cluster_name\": ").append(q(clusterName)).append(",\n  \"base\": ").append(q(base.toString()))
                .append(",\n  \"pid\": ").append(me).append(",\n  \"seconds_to_green\": ")
                .append(String.format(Locale.ROOT, "%.2f", seconds)).append(",\n  \"data_nodes\": ").append(dataNodes)
                .append(",\n  \"nodes\": [\n");
        for (int i = 0; i < n; i++) {
            final Path home = base.resolve("node-" + (i + 1));
            sb.append("    {\"id\": ").append(i + 1).append(", \"name\": ").append(q("node-" + (i + 1)))
                    .append(", \"pid\": ").append(children.get(i).pid())
                    .append(", \"roles\": ").append(i < dataNodes ? "[\"cluster_manager\", \"data\", \"ingest\"]" : "[\"cluster_manager\"]")
                    .append(", \"http\": ").append(httpPorts.get(i))
                    .append(", \"transport\": ").append(transportPorts.get(i)).append(", \"url\": ")
                    .append(q("http://127.0.0.1:" + httpPorts.get(i))).append(", \"home\": ").append(q(home.toString()))
                    .append(", \"log\": ").append(q(home.resolve("stdout.log").toString())).append(", \"argv\": [")
                    .append(argvs.get(i).stream().map(Cluster::q).collect(Collectors.joining(", "))).append("]}")
                    .append(i + 1 < n ? ",\n" : "\n");
        }
        sb.append("  ]\n}\n");
        writeAtomically(readyFile, sb.toString());
        System.out.println(String.format(Locale.ROOT, "READY green with %d nodes (%d data) in %.1f s: %s", n, dataNodes, seconds,
                readyFile));
        for (int i = 0; i < n; i++) {
            System.out.println("  node-" + (i + 1) + " http://127.0.0.1:" + httpPorts.get(i) + " pid " + children.get(i).pid());
        }
        System.out.flush();

        // Serve until stopped.  A node that dies is reported, not restarted
        // (a test that kills one restarts it itself from ready.json).
        final boolean[] reported = new boolean[n];
        while (true) {
            int alive = 0;
            for (int i = 0; i < n; i++) {
                if (children.get(i).isAlive()) {
                    alive++;
                } else if (!reported[i]) {
                    reported[i] = true;
                    System.out.println("node-" + (i + 1) + " (pid " + children.get(i).pid() + ") exited with status "
                            + children.get(i).exitValue());
                }
            }
            if (alive == 0 && !anyNodeAlive(base, n)) {
                System.out.println("no node is left: stopping");
                return 1;
            }
            Thread.sleep(1000);
        }
    }

    /** A node restarted by a test is not our child: find it by its node.json. */
    private static boolean anyNodeAlive(final Path base, final int n) {
        for (int i = 1; i <= n; i++) {
            try {
                final String s = Files.readString(base.resolve("node-" + i).resolve("node.json"));
                final int a = s.indexOf("\"pid\": ") + 7;
                final long pid = Long.parseLong(s.substring(a, s.indexOf(',', a)).trim());
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    return true;
                }
            } catch (final IOException | RuntimeException e) {
                // no such node
            }
        }
        return false;
    }

    /** Set when the cluster did not start: its nodes are killed, not closed. */
    private static volatile boolean failed;

    private static void stopAll(final List<Process> children) {
        final List<Process> ps;
        synchronized (children) {
            ps = new ArrayList<>(children);
        }
        for (final Process p : ps) {
            if (failed) {
                p.destroyForcibly(); // a node half-way through its start is slow to close
            } else {
                p.destroy(); // SIGTERM: the node closes itself
            }
        }
        final long deadline = System.currentTimeMillis() + 20_000;
        for (final Process p : ps) {
            try {
                while (p.isAlive() && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
            } catch (final InterruptedException e) {
                break;
            }
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    private static void fail(final String why, final Path base, final int n) {
        failed = true;
        final StringBuilder sb = new StringBuilder("CLUSTER FAILED: " + why + "\n");
        for (int i = 1; i <= n; i++) {
            final Path log = base.resolve("node-" + i).resolve("stdout.log");
            sb.append("---- last lines of ").append(log).append(" ----\n").append(tail(log, 40)).append('\n');
        }
        System.err.print(sb);
        System.err.flush();
        try {
            writeAtomically(base.resolve("failed.txt"), sb.toString());
        } catch (final IOException e) {
            // the message is on stderr
        }
    }

    static String tail(final Path file, final int lines) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            final long len = f.length();
            final int size = (int) Math.min(len, 64 * 1024);
            final byte[] buf = new byte[size];
            f.seek(len - size);
            f.readFully(buf);
            final String[] all = new String(buf, StandardCharsets.UTF_8).split("\n");
            final int from = Math.max(0, all.length - lines);
            return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
        } catch (final IOException e) {
            return "(" + e + ")";
        }
    }

    private static List<Integer> given(final Map<String, String> opts, final String key, final int n) {
        final String v = opts.get(key);
        if (v == null) {
            return List.of();
        }
        final List<Integer> ps = new ArrayList<>();
        for (final String s : v.split(",")) {
            ps.add(Integer.parseInt(s.trim()));
        }
        if (ps.size() != n) {
            throw new IllegalArgumentException("--" + key + " needs " + n + " ports, got " + v);
        }
        return ps;
    }

    private static List<Integer> ports(final Map<String, String> opts, final String key, final int n,
            final List<Integer> free) {
        final List<Integer> ps = given(opts, key, n);
        if (!ps.isEmpty()) {
            return ps;
        }
        final List<Integer> out = new ArrayList<>(free.subList(0, n));
        free.subList(0, n).clear();
        return out;
    }

    /** Free ports of 127.0.0.1, all distinct: every socket stays open until all are chosen. */
    static List<Integer> freePorts(final int count) throws IOException {
        final List<ServerSocket> sockets = new ArrayList<>();
        final List<Integer> ports = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                final ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                s.setReuseAddress(true);
                sockets.add(s);
                ports.add(s.getLocalPort());
            }
        } finally {
            for (final ServerSocket s : sockets) {
                s.close();
            }
        }
        return ports;
    }

    static void writeAtomically(final Path file, final String text) throws IOException {
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String q(final String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
