package io.loopline.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket spoken byte by byte over a plain socket on loopback, for what a well-behaved client library
 * will not do: send invalid UTF-8, never answer a ping, or never read.
 */
public final class RawWebSocket implements AutoCloseable {

  /** One frame as received: its opcode and payload. */
  public record Frame(int opcode, byte[] payload) {
    /** The status code of a close frame. */
    public int closeCode() {
      return payload.length < 2 ? -1 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Opens and upgrades; {@code receiveBuffer} &gt; 0 shrinks the socket's receive buffer first. */
  public static RawWebSocket connect(int port, String path, int receiveBuffer) {
    try {
      Socket socket = new Socket();
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(15_000);
      RawWebSocket ws = new RawWebSocket(socket);
      String key = Base64.getEncoder().encodeToString(new byte[16]);
      ws.out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nUpgrade: websocket\r\n"
                  + "Connection: Upgrade\r\nSec-WebSocket-Key: "
                  + key
                  + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      ws.out.flush();
      String head = ws.readHead();
      if (!head.startsWith("HTTP/1.1 101")) {
        throw new IllegalStateException("no upgrade: " + head);
      }
      return ws;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** Sends one final, masked frame (as every client must). */
  public void send(int opcode, byte[] payload) {
    try {
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      frame.write(0x80 | opcode);
      if (payload.length < 126) {
        frame.write(0x80 | payload.length);
      } else {
        frame.write(0x80 | 126);
        frame.write(payload.length >> 8);
        frame.write(payload.length & 0xff);
      }
      byte[] mask = new byte[4];
      ThreadLocalRandom.current().nextBytes(mask);
      frame.write(mask);
      for (int i = 0; i < payload.length; i++) {
        frame.write(payload[i] ^ mask[i % 4]);
      }
      out.write(frame.toByteArray());
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame from the server (never masked), or null at the end of the stream. */
  public Frame read() {
    try {
      int first = in.read();
      if (first < 0) {
        return null;
      }
      int second = in.readUnsignedByte();
      long length = second & 0x7f;
      if (length == 126) {
        length = in.readUnsignedShort();
      } else if (length == 127) {
        length = in.readLong();
      }
      byte[] payload = new byte[(int) length];
      in.readFully(payload);
      return new Frame(first & 0x0f, payload);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame within the socket timeout", e);
    } catch (IOException e) {
      return null; // reset by the server: the end of the stream
    }
  }

  /**
   * Reads until a close frame and returns its code; -1 if the stream ended without one. Fails after 60 s:
   * the server's pings would otherwise keep the socket's read timeout from ever firing.
   */
  public int readUntilClose() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Frame frame;
    while ((frame = read()) != null) {
      if (frame.opcode() == 0x8) {
        return frame.closeCode();
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("no close frame within 60 s");
      }
    }
    return -1;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
