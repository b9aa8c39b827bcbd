package com.example.trade;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Order placement through risk checks, pricing and the order book together. */
class OrderFlowIT {
    @Test
    void placeAndCancel() {
        OrderService service =
                new OrderService(new RiskChecker(new BigDecimal("1000000"), Set.of()), new PriceCalculator());
        Order sell = new Order("A9", "000001", Order.Side.SELL, 2000, new BigDecimal("12.50"));
        assertEquals("ACCEPTED:18.75", service.place(sell));
        assertEquals(true, service.cancel(sell));
        assertEquals(0, service.book().size());
    }
}
