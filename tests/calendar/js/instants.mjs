// Reads an iCalendar file on stdin with ical.js and prints each event's UID, start and end
// as UTC instants (ISO 8601), the way Thunderbird would place them.
import ICAL from "ical.js";

let text = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) text += chunk;
const calendar = new ICAL.Component(ICAL.parse(text));
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    sequence: event.sequence,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    organizer: component.getFirstPropertyValue("organizer"),
    attendees: component.getAllProperties("attendee").map((p) => p.getFirstValue()),
  };
});
process.stdout.write(JSON.stringify({ method: calendar.getFirstPropertyValue("method"), events }));
