package io.loopline.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is in each room, cluster-wide, and which socket host holds each member: every socket host reports
 * its joins and leaves to the sequencer, and renews a lease for itself.
 */
final class Presence {

  record Gone(String room, String member, String name) {}

  private record Entry(String name, String host) {}

  /** Room to members in the order they joined. */
  private final Map<String, LinkedHashMap<String, Entry>> rooms = new HashMap<>();

  /** Socket host to when it was last heard from (nanoTime). */
  private final Map<String, Long> hosts = new HashMap<>();

  void join(String room, String member, String name, String host) {
    rooms.computeIfAbsent(room, r -> new LinkedHashMap<>()).put(member, new Entry(name, host));
    hosts.put(host, System.nanoTime());
  }

  /** Forgets everyone: a sequencer just elected learns the members back from the hosts' leases. */
  void clear() {
    rooms.clear();
    hosts.clear();
  }

  boolean contains(String room, String member) {
    LinkedHashMap<String, Entry> members = rooms.get(room);
    return members != null && members.containsKey(member);
  }

  /** The name of the member that left, or null if it was not there. */
  String leave(String room, String member) {
    LinkedHashMap<String, Entry> members = rooms.get(room);
    if (members == null) {
      return null;
    }
    Entry left = members.remove(member);
    if (members.isEmpty()) {
      rooms.remove(room);
    }
    return left == null ? null : left.name();
  }

  /** The socket hosts holding members of the room, each once. */
  Set<String> hosts(String room) {
    Set<String> out = new LinkedHashSet<>();
    LinkedHashMap<String, Entry> members = rooms.get(room);
    if (members != null) {
      members.values().forEach(e -> out.add(e.host()));
    }
    return out;
  }

  void renew(String host) {
    hosts.put(host, System.nanoTime());
  }

  /** Hosts not heard from since {@code before} (nanoTime). */
  List<String> expired(long before) {
    List<String> out = new ArrayList<>();
    hosts.forEach(
        (host, seen) -> {
          if (seen - before < 0) {
            out.add(host);
          }
        });
    return out;
  }

  /** Every member held by a socket host that stopped or died. */
  List<Gone> leaveHost(String host) {
    hosts.remove(host);
    List<Gone> gone = new ArrayList<>();
    for (Iterator<Map.Entry<String, LinkedHashMap<String, Entry>>> r = rooms.entrySet().iterator();
        r.hasNext(); ) {
      Map.Entry<String, LinkedHashMap<String, Entry>> room = r.next();
      room.getValue()
          .entrySet()
          .removeIf(
              m -> {
                if (m.getValue().host().equals(host)) {
                  gone.add(new Gone(room.getKey(), m.getKey(), m.getValue().name()));
                  return true;
                }
                return false;
              });
      if (room.getValue().isEmpty()) {
        r.remove();
      }
    }
    return gone;
  }

  int count(String room) {
    LinkedHashMap<String, Entry> members = rooms.get(room);
    return members == null ? 0 : members.size();
  }

  /** Up to {@code max} members, in join order. */
  JsonArray members(String room, int max) {
    JsonArray out = new JsonArray();
    LinkedHashMap<String, Entry> members = rooms.get(room);
    if (members != null) {
      for (Map.Entry<String, Entry> m : members.entrySet()) {
        if (out.size() >= max) {
          break;
        }
        out.add(member(m.getKey(), m.getValue().name()));
      }
    }
    return out;
  }

  static JsonObject member(String id, String name) {
    return new JsonObject().put("id", id).put("name", name);
  }
}
