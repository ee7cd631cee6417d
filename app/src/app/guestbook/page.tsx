/** Reads and writes the database: the proof that migrations ran and the app can reach Postgres. */
import { revalidatePath } from "next/cache";
import { db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { requestId } from "@/lib/request-id";

export const dynamic = "force-dynamic";

async function sign(form: FormData): Promise<void> {
  "use server";
  const name = String(form.get("name") ?? "")
    .trim()
    .slice(0, 80);
  const message = String(form.get("message") ?? "")
    .trim()
    .slice(0, 500);
  if (!name || !message) return;
  const entry = await db().entry.create({ data: { name, message } });
  logger.info({ requestId: await requestId(), entryId: entry.id }, "guest book signed");
  revalidatePath("/guestbook");
}

export default async function GuestBook() {
  const entries = await db().entry.findMany({ orderBy: { createdAt: "desc" }, take: 50 });
  return (
    <>
      <h1>Guest book</h1>
      <form action={sign}>
        <label htmlFor="name">Name</label>
        <input id="name" name="name" maxLength={80} required />
        <label htmlFor="message">Message</label>
        <textarea id="message" name="message" maxLength={500} rows={3} required />
        <button type="submit">Sign</button>
      </form>
      <h2>Entries</h2>
      <ul>
        {entries.map((e) => (
          <li key={e.id}>
            <strong>{e.name}</strong>: {e.message}
          </li>
        ))}
      </ul>
    </>
  );
}
