package io.loopline.contract;

import java.util.regex.Pattern;

/** What a chat room name and a sender name may be, checked the same way by every verticle. */
public final class ChatNames {

  /** Room names: 1 to 64 characters of {@code A-Z a-z 0-9 . _ -}, but not {@code .} or {@code ..} (URL dot segments). */
  public static final Pattern ROOM = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");

  /** Sender names: 1 to 32 letters, digits, spaces and {@code . _ -}, not starting or ending with a space. */
  public static final Pattern SENDER =
      Pattern.compile("^[\\p{L}\\p{N}._-]([\\p{L}\\p{N} ._-]{0,30}[\\p{L}\\p{N}._-])?$");

  private ChatNames() {}

  public static boolean validRoom(String room) {
    return room != null && ROOM.matcher(room).matches() && !StreamRecords.dotSegment(room);
  }

  public static boolean validSender(String sender) {
    return sender != null && SENDER.matcher(sender).matches();
  }
}
