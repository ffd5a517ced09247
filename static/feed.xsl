<?xml version="1.0" encoding="utf-8"?>
<!-- A browser opening a kmsearch Atom feed renders it with this stylesheet
     (the feed names it in an xml-stylesheet processing instruction); feed
     readers ignore it.  No inline style or script: the site's
     Content-Security-Policy applies to the page this makes, so the look
     comes from /static/style.css. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:a="http://www.w3.org/2005/Atom"
    xmlns:km="https://kmsearch.invalid/ns/feed"
    exclude-result-prefixes="a km">
  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/a:feed">
    <html lang="th">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="a:title"/> (ฟีด Atom)</title>
        <link rel="stylesheet" href="/static/style.css"/>
        <link rel="icon" href="/static/icon.svg" type="image/svg+xml"/>
      </head>
      <body class="feed-page">
        <header class="site">
          <div class="wrap">
            <a class="brand" href="/">คลังความรู้ <span><xsl:value-of select="a:author/a:name"/></span></a>
          </div>
        </header>
        <main id="main" class="wrap" tabindex="-1">
          <h1><xsl:value-of select="a:title"/></h1>
          <div class="notice feed-about" role="note">
            <p>หน้านี้คือ <strong>ฟีด Atom</strong> สำหรับโปรแกรมอ่านฟีด: คัดลอกที่อยู่ของหน้านี้ไปใส่ในโปรแกรม
              เพื่อรับแจ้งเมื่อมีเอกสารใหม่โดยอัตโนมัติ</p>
            <p><a href="{a:link[not(@rel) or @rel='alternate']/@href}">อ่านเอกสารใหม่ในหน้าเว็บ</a>
              (เบราว์เซอร์บางรุ่นแสดงหน้านี้เป็นข้อความ XML ให้ใช้หน้าเว็บนี้แทน)</p>
          </div>
          <p class="lead"><xsl:value-of select="a:subtitle"/></p>
          <ol class="changes">
            <xsl:apply-templates select="a:entry"/>
          </ol>
        </main>
        <footer class="site">
          <div class="wrap"><a href="/">คลังความรู้ <xsl:value-of select="a:author/a:name"/></a></div>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="a:entry">
    <li class="change">
      <p class="when">
        <span class="change-label">
          <xsl:attribute name="class">change-label <xsl:choose>
            <xsl:when test="km:change = 'ใหม่'">change-new</xsl:when>
            <xsl:otherwise>change-updated</xsl:otherwise>
          </xsl:choose></xsl:attribute>
          <xsl:value-of select="km:change"/>
        </span>
        <xsl:text> </xsl:text>
        <time datetime="{substring(a:updated, 1, 10)}"><xsl:value-of select="km:date"/></time>
      </p>
      <h2><a href="{a:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="a:title"/></a></h2>
      <p class="meta">
        <xsl:for-each select="a:category">
          <span><xsl:if test="position() = 2"><xsl:attribute name="class">badge</xsl:attribute></xsl:if>
            <xsl:value-of select="@label"/></span>
          <xsl:text> </xsl:text>
        </xsl:for-each>
      </p>
      <xsl:if test="a:summary">
        <p class="snippet"><xsl:value-of select="a:summary"/></p>
      </xsl:if>
    </li>
  </xsl:template>
</xsl:stylesheet>
