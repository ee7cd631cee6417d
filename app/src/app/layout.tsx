import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: process.env.NEXT_PUBLIC_SITE_NAME ?? "Acme",
  description: "The reference app of nextjs-infra: Next.js on Kubernetes with its own Postgres.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered per request: each response's inline scripts carry that request's CSP nonce.
  await connection();
  return (
    <html lang="en">
      <body>
        <header>
          <nav aria-label="Main">
            <a href="/">Home</a> · <a href="/guestbook">Guest book</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
