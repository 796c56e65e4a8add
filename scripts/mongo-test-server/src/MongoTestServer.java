import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * In-memory MongoDB-wire-compatible server for keygate's test suite (test-only, never production).
 *
 * Usage: java -cp 'target/lib/*' src/MongoTestServer.java [port]    (port 0 or absent = free port)
 *
 * Contract with test/helpers/mongo-test-server.ts:
 *  - binds 127.0.0.1:port, then prints exactly one line "LISTENING <port>" on stdout and flushes;
 *  - exits when stdin reaches EOF (parent died or closed the pipe) or on SIGTERM/SIGINT;
 *  - on startup failure prints the reason on stderr and exits with status 1.
 *
 * mongo-java-server 1.47.0 advertises at most maxWireVersion 8 (ServerVersion.MONGO_5_0),
 * but the Node driver 7.x requires >= 9, so we advertise a custom 4.4 / wire-9 version.
 */
public class MongoTestServer {

    /** MongoDB 4.4 = wire version 9, the minimum accepted by the Node mongodb driver 7.x. */
    enum Mongo44 implements MongoVersion {
        INSTANCE;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    }

    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        MongoServer server = new MongoServer(new MemoryBackend().version(Mongo44.INSTANCE));
        try {
            server.bind("127.0.0.1", port);
        } catch (RuntimeException e) {
            System.err.println("mongo-test-server: cannot bind 127.0.0.1:" + port + ": " + e);
            server.shutdownNow();
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "mongo-test-server-shutdown"));

        InetSocketAddress address = server.getLocalAddress();
        System.out.println("LISTENING " + address.getPort());
        System.out.flush();

        // Block until stdin closes: the Node parent exited, was killed, or called stop().
        try {
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            while (in.read(buffer) >= 0) {
                // ignore any input
            }
        } catch (Exception ignored) {
            // treat read errors like EOF
        }
        System.exit(0); // runs the shutdown hook
    }
}
