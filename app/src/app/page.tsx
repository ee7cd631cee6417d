export default function Home() {
  return (
    <>
      <h1>{process.env.NEXT_PUBLIC_SITE_NAME ?? "Acme"}</h1>
      <p>A Next.js app on Kubernetes, with its own Postgres, secrets from Doppler, and JSON logs.</p>
      <p>
        Sign a line in the <a href="/guestbook">guest book</a>.
      </p>
    </>
  );
}
