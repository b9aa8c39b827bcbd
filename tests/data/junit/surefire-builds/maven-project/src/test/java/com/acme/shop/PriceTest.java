package com.acme.shop;
import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Test;
class PriceTest {
    static int calls;
    @Test void rounds() { assertEquals(10, Math.round(9.6)); }
    /** fails on its first attempt in each JVM when shop.flaky is set, then passes: Surefire's rerun makes it flaky */
    @Test void discount() { calls++; assertFalse(Boolean.getBoolean("shop.flaky") && calls == 1, "first attempt"); }
}
