package io.loopline.platform.observe;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the launcher knows of its node that readiness must tell: the node is stopping (readiness fails
 * first, before it drains), it is still waiting for its database, and which cluster members it sees.
 * One per node, kept in its Vert.x's local shared data; read by every HTTP verticle.
 */
public final class NodeStatus implements Shareable {

  private static final String MAP = "loopline.node";

  private volatile boolean stopping;
  private volatile String databaseWait;
  private volatile String member;
  private volatile Supplier<List<String>> members;

  private NodeStatus() {}

  /** The node's status. */
  public static NodeStatus of(Vertx vertx) {
    LocalMap<String, NodeStatus> map = vertx.sharedData().getLocalMap(MAP);
    NodeStatus fresh = new NodeStatus();
    NodeStatus existing = map.putIfAbsent("status", fresh);
    return existing != null ? existing : fresh;
  }

  /** From now on readiness fails: the node is about to drain and stop. */
  public void stopping() {
    stopping = true;
  }

  public boolean isStopping() {
    return stopping;
  }

  /** The node serves without its database and tries again in the background: why, and when next. */
  public void waitingForDatabase(String why) {
    databaseWait = why;
  }

  /** The database answered: nothing to wait for. */
  public void databaseReady() {
    databaseWait = null;
  }

  /** Why the node still waits for its database, or null. */
  public String databaseWait() {
    return databaseWait;
  }

  /** The node is a cluster member, {@code member} by name, seeing {@code members}. */
  public void clustered(String member, Supplier<List<String>> members) {
    this.member = member;
    this.members = members;
  }

  /** This node's member id, or null when it runs alone. */
  public String member() {
    return member;
  }

  /** The member ids this node sees, itself included; empty when it runs alone. */
  public List<String> members() {
    Supplier<List<String>> source = members;
    return source == null ? List.of() : source.get();
  }
}
