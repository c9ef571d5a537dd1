// A JSSE client for scripts/gen-kernel-fixtures-app.sh (run as `java TlsClient.java`, no build):
//   java TlsClient.java HOST PORT LOCAL_IP LOCAL_PORT SERVERNAME PROTOCOLS|- SUITES|- verify|trust-all
// Connects, completes the handshake and prints "ok", or prints the exception as Java reports it
// (class and message) and exits 1.
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.*;

public class TlsClient {
  public static void main(String[] a) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    if (a[7].equals("trust-all")) {
      TrustManager[] all = { new X509TrustManager() {
        public void checkClientTrusted(X509Certificate[] c, String t) {}
        public void checkServerTrusted(X509Certificate[] c, String t) {}
        public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
      } };
      ctx.init(null, all, null);
    } else {
      ctx.init(null, null, null);
    }
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(a[0], Integer.parseInt(a[1]), InetAddress.getByName(a[2]), Integer.parseInt(a[3]))) {
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(a[4])));
      if (!a[5].equals("-")) p.setProtocols(a[5].split(","));
      if (!a[6].equals("-")) p.setCipherSuites(a[6].split(","));
      s.setSSLParameters(p);
      s.setSoTimeout(10000);
      s.startHandshake();
      System.out.println("ok");
    } catch (Exception e) {
      System.out.println(e);
      System.exit(1);
    }
  }
}
