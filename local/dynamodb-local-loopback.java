/*
 * Starts Amazon DynamoDB Local (its own ServerRunner, same command-line options) listening
 * on one address only: the one the system property `dynamodb.local.host` names (the local
 * broker passes 127.0.0.1). DynamoDB Local 3.x has no option for it: its DynamoDBProxyServer
 * builds a Jetty Server from a port alone, which listens on every interface, and neither
 * Jetty nor the JVM reads a default bind address from anywhere. So the connector's host is
 * set on the server DynamoDB Local built, before it starts.
 *
 * Run by local/dynamodb-local.ts in Java's source-file mode (JEP 330, Java 11+):
 *   java -Ddynamodb.local.host=127.0.0.1 -cp DynamoDBLocal.jar dynamodb-local-loopback.java -inMemory -port N
 * which compiles this file in memory at each start (needs the jdk.compiler module).
 */
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

// Not public: javac then takes it from a file of another name (the repository names files in kebab-case).
final class DynamoDbLocalLoopback {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host");
    if (host == null || host.isEmpty()) {
      // Fail closed: without an address the server would listen on every interface.
      System.err.println("dynamodb-local-loopback: set -Ddynamodb.local.host to the address to listen on");
      System.exit(2);
    }
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost(host);
    }
    // No telemetry is configured (ServerRunner.main would do it; -disableTelemetry is passed too).
    try {
      proxy.start();
    } catch (Exception error) {
      // Jetty's threads would keep a JVM that cannot serve alive: exit, as ServerRunner does.
      error.printStackTrace();
      System.exit(1);
    }
    System.out.println("listening on " + host);
  }
}
