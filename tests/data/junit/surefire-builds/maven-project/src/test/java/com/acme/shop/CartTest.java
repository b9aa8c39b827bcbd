package com.acme.shop;
import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Test;
class CartTest {
    @Test void addsItem() { assertEquals(2, 1 + 1); }
    @Test void totals() { assertEquals(Boolean.getBoolean("shop.red") ? 3 : 4, 2 + 2, "total"); }
}
