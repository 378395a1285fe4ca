import type { AppModule } from "../lib/web/types.ts";

/** The document around every page. */
const App: AppModule["default"] = ({ Component }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>rungpt</title>
      <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/static/styles.css" />
    </head>
    <body>
      <Component />
    </body>
  </html>
);
export default App;
