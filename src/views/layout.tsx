import type { Child } from 'hono/jsx';

/** Properties of the page shell. */
export interface LayoutProps {
  title: string;
  siteName: string;
  children?: Child;
}

/** The HTML shell shared by every page. */
export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
      </head>
      <body>
        <header>
          <a href="/">{props.siteName}</a>
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}
