package io.loopline.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Who is in each room, cluster-wide: every socket host reports its joins and leaves to the sequencer. */
final class Presence {

  record Gone(String room, String member, String name) {}

  private record Entry(String name, String host) {}

  /** Room to members in the order they joined. */
  private final Map<String, LinkedHashMap<String, Entry>> rooms = new HashMap<>();

  void join(String room, String member, String name, String host) {
    rooms.computeIfAbsent(room, r -> new LinkedHashMap<>()).put(member, new Entry(name, host));
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

  /** Every member held by a socket host that stopped. */
  List<Gone> leaveHost(String host) {
    List<Gone> gone = new ArrayList<>();
    for (Iterator<Map.Entry<String, LinkedHashMap<String, Entry>>> r = rooms.entrySet().iterator(); r.hasNext(); ) {
      Map.Entry<String, LinkedHashMap<String, Entry>> room = r.next();
      room.getValue().entrySet().removeIf(m -> {
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
