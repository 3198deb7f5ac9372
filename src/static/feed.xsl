<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an RSS 2.0 or Atom feed as a readable page when a person opens it in a browser.
     Feed readers ignore the stylesheet and read the feed itself. -->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"
    doctype-system="about:legacy-compat"/>
  <xsl:template match="/">
    <xsl:variable name="title" select="rss/channel/title | atom:feed/atom:title"/>
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> · feed</title>
        <link rel="stylesheet" href="/static/style.css"/>
      </head>
      <body>
        <main id="main" class="feed-preview">
          <p class="notice">
            This is a web feed. Copy its address into a feed reader to follow
            <strong><xsl:value-of select="$title"/></strong>.
          </p>
          <h1><xsl:value-of select="$title"/></h1>
          <p><xsl:value-of select="rss/channel/description | atom:feed/atom:subtitle"/></p>
          <p>
            <a href="{rss/channel/link | atom:feed/atom:link[@rel='alternate' or not(@rel)]/@href}">Visit the site</a>
          </p>
          <ol class="feed-items">
            <xsl:for-each select="rss/channel/item">
              <li>
                <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
                <p><small><xsl:value-of select="pubDate"/></small></p>
              </li>
            </xsl:for-each>
            <xsl:for-each select="atom:feed/atom:entry">
              <li>
                <h2><a href="{atom:link[@rel='alternate' or not(@rel)]/@href}"><xsl:value-of select="atom:title"/></a></h2>
                <p><small><xsl:value-of select="atom:published | atom:updated"/></small></p>
              </li>
            </xsl:for-each>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
